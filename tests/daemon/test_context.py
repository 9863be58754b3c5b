"""factd run and what a figure is for (issue 13): a source's `year` is the
year its pages speak from when a page does not say, so 今年 on an undated
page is that year; a page that says its own year (its <meta> date) keeps
it.  The store keeps each version's doc_year and each fact's subject,
direction, year and stance.

usage: test_context.py FACTD
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import daemonlib as D  # noqa: E402


def article(title, sentence, meta=""):
    return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n%s'
            '<title>%s</title>\n</head>\n<body>\n<h1>%s</h1>\n<p>%s</p>\n</body>\n</html>\n'
            % (meta, title, title, sentence))


def main():
    with D.session("test_context", make=False) as (factd, chk, tmp, site):
        d = os.path.join(site.root, "news")
        os.makedirs(d)
        pages = {
            # No date anywhere: the source's year.
            "a.html": article("绿化工作", "今年,我区将新增绿地100亩,同比下降1.3%。"),
            # Its own <meta> date says 2020.
            "b.html": article("绿化工作", "今年,我区将新增绿地200亩。",
                              '<meta name="PubDate" content="2020-01-16 09:30">\n'),
        }
        for name, body in pages.items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(body)
        with open(os.path.join(d, "index.html"), "w", encoding="utf-8") as f:
            f.write('<html><head><meta charset="utf-8"><title>列表</title></head><body>'
                    '<a href="a.html">a</a> <a href="b.html">b</a></body></html>\n')
        conf = os.path.join(tmp, "context.conf")
        db = D.write_conf(conf, tmp, [("news", {
            "start_url": site.base + "/news/index.html",
            "link_pattern": r"/news/[a-z]\.html$", "interval": "1d", "year": "2021"})])
        rc, out, err = D.run_once(factd, conf, timeout=120)
        chk.eq(rc, 0, "the pass completes (stderr: %s)" % err[-3000:])
        rows = D.query(db, "SELECT substr(uri, -6), text, subject, direction, year, stance, "
                           "doc_year FROM current_facts ORDER BY uri, offset")
        chk.eq(rows, [
            ("a.html", "100亩", "绿地", None, 2021, "target", 2021),
            ("a.html", "1.3%", None, "down", 2021, "reported", 2021),  # 同比 in its clause
            ("b.html", "200亩", "绿地", None, 2020, "target", 2020),
        ], "the source's year for the undated page, the page's own for the dated one")
        chk.eq(D.query(db, "SELECT substr(d.uri, -6), v.published, v.doc_year FROM versions v "
                           "JOIN documents d ON d.id = v.document_id ORDER BY d.uri"),
               [("a.html", None, 2021), ("b.html", "2020-01-16", 2020)],
               "each version keeps its published date and doc_year")


if __name__ == "__main__":
    main()
