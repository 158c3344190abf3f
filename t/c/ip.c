/*
 * ip.c - addresses and CIDR lists (InternalHosts, SPF ip4:/ip6:)
 */
#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "ip.h"
#include "tap.h"

static void
test_parse_format(void)
{
	struct mauth_ip ip;
	char buf[MAUTH_IP_STRLEN];

	is_int(mauth_ip_parse("192.0.2.1", &ip), 0, "parse 192.0.2.1");
	is_int(ip.family, AF_INET, "  is IPv4");
	is_str(mauth_ip_format(&ip, buf, sizeof(buf)), "192.0.2.1", "  formats back");
	is_int(mauth_ip_parse("2001:DB8::1", &ip), 0, "parse 2001:DB8::1");
	is_str(mauth_ip_format(&ip, buf, sizeof(buf)), "2001:db8::1", "  formats in RFC 5952 form");
	ok(mauth_ip_parse("192.0.2.256", &ip) < 0, "192.0.2.256 refused");
	ok(mauth_ip_parse("192.0.2", &ip) < 0, "192.0.2 refused");
	ok(mauth_ip_parse("", &ip) < 0, "empty refused");

	mauth_ip_parse("::ffff:192.0.2.7", &ip);
	struct mauth_ip v4 = mauth_ip_unmap(&ip);
	is_int(v4.family, AF_INET, "::ffff:192.0.2.7 unmaps to IPv4");
	is_str(mauth_ip_format(&v4, buf, sizeof(buf)), "192.0.2.7", "  as 192.0.2.7");
	mauth_ip_parse("2001:db8::7", &ip);
	v4 = mauth_ip_unmap(&ip);
	is_int(v4.family, AF_INET6, "2001:db8::7 stays IPv6");
}

static void
test_cidr(void)
{
	struct mauth_cidr_list list;
	struct mauth_ip ip;
	char *error = NULL;

	is_int(mauth_cidr_list_parse("127.0.0.0/8, ::1 192.0.2.0/25,2001:db8::/32", &list, &error),
	    0, "parse a mixed list");
	is_int((long long)list.count, 4, "  four entries");
	mauth_ip_parse("127.1.2.3", &ip);
	ok(mauth_cidr_list_match(&list, &ip), "127.1.2.3 in 127.0.0.0/8");
	mauth_ip_parse("192.0.2.200", &ip);
	ok(!mauth_cidr_list_match(&list, &ip), "192.0.2.200 not in 192.0.2.0/25");
	mauth_ip_parse("::ffff:192.0.2.100", &ip);
	ok(mauth_cidr_list_match(&list, &ip), "IPv4-mapped ::ffff:192.0.2.100 matches 192.0.2.0/25");
	mauth_ip_parse("2001:db8:ffff::1", &ip);
	ok(mauth_cidr_list_match(&list, &ip), "2001:db8:ffff::1 in 2001:db8::/32");
	mauth_ip_parse("2001:db9::1", &ip);
	ok(!mauth_cidr_list_match(&list, &ip), "2001:db9::1 not in 2001:db8::/32");
	mauth_cidr_list_free(&list);

	static const char *bad[] = {
		"192.0.2.1/33", "192.0.2.1/24", "2001:db8::/129", "192.0.2.0/", "bogus", "/8",
		",", " , ", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		int rc = mauth_cidr_list_parse(bad[i], &list, &error);
		ok(rc < 0 && error != NULL, "refused \"%s\": %s", bad[i], error ? error : "(no error)");
		free(error);
	}
	is_int(mauth_cidr_list_parse("0.0.0.0/0", &list, &error), 0, "0.0.0.0/0 accepted");
	mauth_ip_parse("198.51.100.1", &ip);
	ok(mauth_cidr_list_match(&list, &ip), "  matches everything IPv4");
	mauth_cidr_list_free(&list);
}

int
main(void)
{
	test_parse_format();
	test_cidr();
	return done_testing();
}
