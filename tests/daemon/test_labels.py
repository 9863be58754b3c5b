"""factd run against pages whose charset label the bytes contradict, and
pages whose label they bear out (issue 11, defect 10).

A GBK article served with Content-Type: text/html; charset=utf-16 was stored
as UTF-16LE junk with no facts; one with <meta charset=utf-16> and no label
from the server was refused as binary (the meta means UTF-8 by the HTML
standard, and GBK is not UTF-8).  Both must be read as GBK, with their facts
and a warning naming the label passed over, as a false UTF-8 label already
was.  Real UTF-16 without a BOM (labelled), UTF-16 with a BOM (under a wrong
label) and labelled UTF-32 must still decode.

usage: test_labels.py FACTD
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402


def article(title, sentence, meta=None):
    """An article page as text; meta, if given, goes in a <meta charset>."""
    m = '<meta charset="%s">\n' % meta if meta else ""
    return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n%s<title>%s</title>\n</head>\n'
            '<body>\n<h1>%s</h1>\n<div class="TRS_Editor">\n<p>%s</p>\n'
            '<p>加快打造绿色城区，建设美丽红桥。</p>\n</div>\n</body>\n</html>\n'
            % (m, title, title, sentence))


# name: (body bytes, Content-Type from the server or None, the charset factd
# must decode with, (kind, value) of a fact it must store, a word of the
# warning it must log or None)
PAGES = {
    # GBK, the server says UTF-16: passed over for the detector.
    "a.html": (article("红桥区推进优质载体建设",
                       "红桥区将全面启动宝能现代科技广场、泰盈科技大厦等15.7万平方米优质载体招商工作。")
               .encode("gbk"), "text/html; charset=utf-16", "GB18030", ("area", 157000.0),
               "declared charset utf-16 passed over"),
    # GBK, <meta charset=utf-16>, no label from the server.
    "b.html": (article("统筹利用土地资源", "统筹利用棚改‘三年清零’释放的3000亩土地资源，推动产业项目落地。",
                       meta="utf-16").encode("gbk"), None, "GB18030", ("mu", 3000.0),
               "<meta> charset utf-16 passed over"),
    # GBK, the server says UTF-16, the page's <meta> says GBK: the meta decides.
    "c.html": (article("绿化", "全区新增绿化面积2.5万平方米，城市面貌明显改善。", meta="gbk").encode("gbk"),
               "text/html; charset=UTF-16", "GB18030", ("area", 25000.0),
               "declared charset UTF-16 passed over"),
    # Real UTF-16LE without a BOM, labelled by the server: kept.
    "d.html": (article("土地", "完成土地整理520亩，为项目落地提供保障。").encode("utf-16-le"),
               "text/html; charset=utf-16", "UTF-16LE", ("mu", 520.0), None),
    # UTF-16BE with a BOM under a wrong label: the BOM wins.
    "e.html": (b"\xfe\xff" + article("载体", "新建标准厂房4.4万平方米，吸引企业入驻。").encode("utf-16-be"),
               "text/html; charset=utf-16le", "UTF-16BE", ("area", 44000.0), None),
    # UTF-32LE without a BOM, labelled: every unit a character, so kept.
    "f.html": (article("土地", "盘活存量土地880亩，用于产业发展。").encode("utf-32-le"),
               "text/html; charset=utf-32", "UTF-32LE", ("mu", 880.0), None),
}


def main():
    with D.session("test_labels", make=False) as (factd, chk, tmp, site):
        root = site.root
        os.makedirs(os.path.join(root, "labels"))
        links = "".join('<li><a href="%s">%s</a></li>\n' % (n, n) for n in sorted(PAGES))
        with open(os.path.join(root, "labels", "index.html"), "w", encoding="utf-8") as f:
            f.write('<html><head><meta charset="utf-8"><title>列表</title></head><body><ul>\n%s'
                    '</ul></body></html>\n' % links)
        headers = {}
        for name, (body, ctype, *_rest) in PAGES.items():
            with open(os.path.join(root, "labels", name), "wb") as f:
                f.write(body)
            if ctype is not None:
                headers["/labels/" + name] = {"Content-Type": ctype}
        with open(os.path.join(root, ".headers.json"), "w") as f:
            json.dump(headers, f)

        conf = os.path.join(tmp, "labels.conf")
        db = D.write_conf(conf, tmp, [("labels", {
            "start_url": site.base + "/labels/index.html",
            "link_pattern": r"/labels/[a-z]\.html$", "interval": "1d"})])
        rc, out, err = D.run_once(factd, conf, timeout=120)
        chk.eq(rc, 0, "the pass completes (stderr: %s)" % err[-3000:])
        chk.check("documents: %d new" % len(PAGES) in out, "every page stored", out + err[-2000:])
        for name, (body, ctype, charset, fact, warning) in sorted(PAGES.items()):
            uri = site.base + "/labels/" + name
            got = D.query(db, "SELECT charset FROM documents WHERE uri = ?", uri)
            chk.eq(got, [(charset,)], "%s: decoded as %s" % (name, charset))
            facts = {(k, v) for (_, k, v, *_) in D.facts_of(db, uri)}
            chk.check(fact in facts, "%s: stored with its %s %g" % (name, fact[0], fact[1]), facts)
            lines = [line for line in err.splitlines() if uri + ":" in line]
            mine = [line for line in lines if "warning:" in line or "error:" in line]
            if warning is None:
                chk.eq(mine, [], "%s: no warning" % name)
            else:
                chk.check(len(mine) == 1 and warning in mine[0],
                          "%s: one warning, saying %s" % (name, warning), mine)
            chk.check(not any("binary" in line or "invalid" in line for line in lines),
                      "%s: not refused, no invalid sequences" % name, lines)


if __name__ == "__main__":
    main()
