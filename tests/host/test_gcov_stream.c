// SPDX-License-Identifier: GPL-2.0
/* Coverage data out of a guest: base64 lines into .gcda files. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gcov_stream.h"

#include "kselftest_harness.h"
#include "unit.h"

TEST(base64_decodes_every_padding_and_refuses_the_rest)
{
	static const struct { const char *in, *out; size_t len; } ok[] = {
		{ "", "", 0 }, { "YQ==", "a", 1 }, { "YWI=", "ab", 2 }, { "YWJj", "abc", 3 },
		{ "AP8A/w==", "\0\377\0\377", 4 }, { "+/+/", "\373\377\277", 3 },
	};
	static const char *const bad[] = { "YQ=", "Y===", "=QQQ", "YQ==YWJj", "YW!j", "YQ= =", "YWJ" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct buf b = { 0 };

		ASSERT_EQ(0, base64_decode(ok[i].in, &b)) TH_LOG("%s", ok[i].in);
		EXPECT_EQ(ok[i].len, b.len) TH_LOG("%s", ok[i].in);
		EXPECT_EQ(0, memcmp(b.s ? b.s : "", ok[i].out, ok[i].len)) TH_LOG("%s", ok[i].in);
		buf_free(&b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf b = { 0 };

		EXPECT_EQ(-1, base64_decode(bad[i], &b)) TH_LOG("%s", bad[i]);
		buf_free(&b);
	}
}

TEST(a_file_arrives_under_gcov_at_its_path)
{
	char dir[] = "/tmp/gcov-unit-XXXXXX", *path, *got;
	struct gcov_stream g = { 0 };
	struct buf why = { 0 };
	size_t len = 0;

	ASSERT_NE(NULL, mkdtemp(dir));
	EXPECT_TRUE(gcov_stream_line(&g, "gcov-file /w/b/kmod/upci_main.gcda", dir, &why));
	EXPECT_TRUE(gcov_stream_line(&g, "gcov-data YWRj", dir, &why));
	EXPECT_TRUE(gcov_stream_line(&g, "gcov-data AA==", dir, &why));
	EXPECT_TRUE(gcov_stream_line(&g, "gcov-end", dir, &why));
	EXPECT_FALSE(gcov_stream_line(&g, "viommu-fault x", dir, &why));
	EXPECT_EQ(NULL, why.s);
	EXPECT_EQ(1, g.files);
	path = xasprintf("%s/gcov/w/b/kmod/upci_main.gcda", dir);
	got = read_file(path, &len);
	ASSERT_NE(NULL, got);
	EXPECT_EQ(4, len);
	EXPECT_EQ(0, memcmp(got, "adc\0", 4));
	free(got);
	free(path);
	gcov_stream_free(&g);
	rm_rf(dir);
}

TEST(bad_paths_and_data_write_nothing_and_say_why)
{
	static const char *const paths[] = {
		"gcov-file relative/x.gcda", "gcov-file /a/../../etc/x.gcda", "gcov-file /a/./x.gcda",
		"gcov-file /a/x.gcno", "gcov-file /a//x.gcda", "gcov-file /.gcda",
	};
	char dir[] = "/tmp/gcov-unit-XXXXXX", *gdir;
	struct gcov_stream g = { 0 };
	struct stat st;

	ASSERT_NE(NULL, mkdtemp(dir));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct buf why = { 0 };

		EXPECT_TRUE(gcov_stream_line(&g, paths[i], dir, &why));
		EXPECT_TRUE(gcov_stream_line(&g, "gcov-data YWJj", dir, &why));
		EXPECT_TRUE(gcov_stream_line(&g, "gcov-end", dir, &why));
		EXPECT_NE(NULL, why.s) TH_LOG("%s", paths[i]);
		buf_free(&why);
	}
	{
		struct buf why = { 0 };

		gcov_stream_line(&g, "gcov-file /a/x.gcda", dir, &why);
		gcov_stream_line(&g, "gcov-data YW!j", dir, &why);
		gcov_stream_line(&g, "gcov-end", dir, &why);
		EXPECT_NE(NULL, strstr(why.s, "not base64"));
		buf_free(&why);
	}
	EXPECT_EQ(0, g.files);
	gdir = xasprintf("%s/gcov", dir);
	EXPECT_NE(0, stat(gdir, &st)) TH_LOG("something was written");
	free(gdir);
	gcov_stream_free(&g);
	rm_rf(dir);
}

TEST_HARNESS_MAIN
