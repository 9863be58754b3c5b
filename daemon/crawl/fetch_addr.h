/*
 * fetch_addr: where fetch may connect, and which host a URL counts under.
 *
 * The address policy: a crawler of public sites connects to public addresses
 * only, unless the URL names the address itself (the operator's choice).
 * fetch.c puts every connection it opens to fetch_addr_allowed().  Hosts are
 * counted (fetch's queue per host, run_cmd.c's hosts of a source) by
 * fetch_url_host(), libcurl's own parse, so that a host is the same string
 * wherever it is compared.
 *
 * Nothing here keeps state or allocates what it returns: a host is written
 * into the caller's buffer; addresses and URLs are only read.
 */
#ifndef FACTD_FETCH_ADDR_H
#define FACTD_FETCH_ADDR_H

#include <stddef.h>

/* The host of url as fetching counts hosts (libcurl's parse, lower case),
 * into host[size]; -1 when url has none or it does not fit. */
int fetch_url_host(const char *url, char *host, size_t size);

/* The host of url (as fetch_url_host()) and its port, the scheme's own when
 * it names none.  *dflt is 1 when the port is http's 80 or https's 443 for
 * its scheme, named or not; 0 for any other, and for every port of another
 * scheme (fetch follows http and https only).  -1 when url
 * is not a URL with a host or the host does not fit.  port and dflt NULL:
 * the host alone, which is fetch_url_host(). */
int fetch_url_host_port(const char *url, char *host, size_t size, long *port, int *dflt);

/* Is this address one a crawler of public sites may connect to?  Not
 * loopback, private, shared, link-local, multicast or reserved, for IPv4,
 * IPv6 and IPv4 mapped into IPv6. */
struct sockaddr;
int fetch_addr_public(const struct sockaddr *sa);

/* May a request for url connect to sa?  Yes when sa is public
 * (fetch_addr_public()), or when url names its host by an address, not a
 * name: then the address is the operator's choice (the allow callback has
 * let it through), not what a name happened to resolve to. */
int fetch_addr_allowed(const struct sockaddr *sa, const char *url);

#endif
