/* test_webshell.c: the script lexers (code apart from comments and markup, strings decoded,
 * language by name and content) and the data-flow pass on buffers: paths, techniques, what
 * stays clean, bounds on hostile input; then every sample of tests/samples/webshell against
 * its EXPECT line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "scan/dataflow.h"
#include "scan/lex.h"
#include "util.h"

/* ---- helpers ---- */

static int lex_buf(struct lex *L, const char *name, const char *src)
{
	enum lex_page page;
	enum lex_lang lang = lex_detect(name, (const unsigned char *)src, strlen(src), &page);
	if (lang == LANG_NONE) {
		*L = (struct lex){0};
		return -1;
	}
	return lex_run(L, lang, page, (const unsigned char *)src, strlen(src));
}

/* Is there a token of kind k whose name (or string contents) is s? */
static bool has_tok(const struct lex *L, enum tok_kind k, const char *s)
{
	for (size_t i = 0; i < L->n; i++) {
		const struct tok *t = &L->t[i];
		if (t->kind != k)
			continue;
		size_t n;
		const char *x = k == T_STR ? tok_str(L, t) : tok_name(L, t, &n);
		if (k == T_STR)
			n = t->sl;
		if (n == strlen(s) && memcmp(x, s, n) == 0)
			return true;
	}
	return false;
}

/* The techniques found in src, as "slug:sev slug:sev" (caller frees). */
static char *flow(const char *name, const char *src, struct df_result *keep)
{
	struct lex L;
	if (lex_buf(&L, name, src) < 0) {
		lex_free(&L);
		return xstrdup("(no code)");
	}
	struct df_result r;
	df_analyze(&L, &r);
	struct buf b = {0};
	for (int t = 0; t < N_TECH; t++)
		if (r.have[t])
			buf_printf(&b, "%s%s:%d", b.len ? " " : "", df_tech_slug((enum df_tech)t),
			           r.f[t].sev);
	buf_cstr(&b);
	if (keep)
		*keep = r;
	else
		df_result_free(&r);
	lex_free(&L);
	return b.data ? b.data : xstrdup("");
}

static void expect_flow(const char *name, const char *src, const char *want)
{
	char *got = flow(name, src, NULL);
	if (strcmp(got, want) != 0)
		print_error("%s: got '%s', want '%s'\n", name, got, want);
	assert_string_equal(got, want);
	free(got);
}

/* ---- detection ---- */

static void test_detect(void **state)
{
	(void)state;
	enum lex_page p;
#define D(name, src) lex_detect(name, (const unsigned char *)(src), sizeof(src) - 1, &p)
	assert_int_equal(D("a.php", "<?php echo 1;"), LANG_PHP);
	assert_int_equal(D("a.PHTML", "<p>hi</p>"), LANG_PHP);
	assert_int_equal(D("notes.txt", "<?php system($x);"), LANG_PHP);
	assert_int_equal(D("README", "  \n<?php x();"), LANG_PHP);
	assert_int_equal(D("notes.txt", "hello <?php x();"), LANG_NONE);
	assert_int_equal(D("lib.inc", "no code here at all"), LANG_NONE);
	assert_int_equal(D("lib.inc", "<?php f();"), LANG_PHP);
	assert_int_equal(D("a.gif", "GIF89a....<?php eval($_POST[1]); ?>"), LANG_PHP);
	assert_int_equal(p, PAGE_PHP);
	assert_int_equal(D("a.gif", "GIF89a....<?=x?>"), LANG_NONE);
	assert_int_equal(D("x.php.jpg", "\xff\xd8\xff<?php f();"), LANG_PHP);
	assert_int_equal(D("a.jsp", "<% out.print(1); %>"), LANG_JAVA);
	assert_int_equal(D("a.jspx", "<jsp:root/>"), LANG_JAVA);
	assert_int_equal(D("noext", "<%@ page import=\"java.io.*\" %><% x(); %>"), LANG_JAVA);
	assert_int_equal(D("a.asp", "<% x %>"), LANG_VB);
	assert_int_equal(p, PAGE_ASP);
	assert_int_equal(D("shell.asp;.jpg", "<% x %>"), LANG_VB);
	assert_int_equal(D("a.aspx", "<% x(); %>"), LANG_CS);
	assert_int_equal(p, PAGE_ASPX);
	assert_int_equal(D("h.ashx", "<%@ WebHandler Language=\"C#\" Class=\"H\" %>"), LANG_CS);
	assert_int_equal(D("a.html", "<?php x(); ?>"), LANG_PHP); /* it starts as code */
	assert_int_equal(D("b.html", "<p>x</p><?php x(); ?>"), LANG_NONE);
	assert_int_equal(D("a.php", "\177ELF\2\1\1"), LANG_NONE);
#undef D
}

/* ---- lexers ---- */

static void test_lex_php(void **state)
{
	(void)state;
	struct lex L;
	const char *src = "<p>$_GET['html'] is markup</p>\n"
	                  "<?php\n"
	                  "/** Fires for `$_POST['action']` requests. */\n"
	                  "# eval($_COOKIE['a']);\n"
	                  "// system($_SERVER['x']); ?> <?php\n"
	                  "$a = \"x\\x41\\101\\u{42} $b[k] {$c->d}\";\n"
	                  "$h = <<<EOT\n  line $e\n  EOT;\n"
	                  "$n = <<<'N'\n$raw\nN;\n"
	                  "echo `ls $a`;\n"
	                  "?>tail<?= $z ?>";
	assert_int_equal(lex_buf(&L, "t.php", src), 0);
	assert_false(has_tok(&L, T_VAR, "_POST"));
	assert_false(has_tok(&L, T_VAR, "_COOKIE"));
	assert_false(has_tok(&L, T_VAR, "_SERVER"));
	assert_false(has_tok(&L, T_VAR, "_GET"));
	assert_true(L.comments >= 3);
	/* escapes decoded; interpolation made into concatenation */
	assert_true(has_tok(&L, T_STR, "xAAB "));
	assert_true(has_tok(&L, T_VAR, "b"));
	assert_true(has_tok(&L, T_STR, "k"));
	assert_true(has_tok(&L, T_VAR, "c"));
	assert_true(has_tok(&L, T_NAME, "d"));
	assert_true(has_tok(&L, T_VAR, "e"));
	assert_true(has_tok(&L, T_STR, "$raw"));
	assert_true(has_tok(&L, T_NAME, "shell_exec"));
	assert_true(has_tok(&L, T_VAR, "z"));
	/* lines follow the file */
	for (size_t i = 0; i < L.n; i++)
		if (L.t[i].kind == T_VAR && L.t[i].len == 1 && tok_text(&L, &L.t[i])[0] == 'e')
			assert_int_equal(L.t[i].line, 8);
	lex_free(&L);
}

static void test_lex_jsp_asp(void **state)
{
	(void)state;
	struct lex L;
	assert_int_equal(
	    lex_buf(&L, "a.jsp",
	            "<%@ page import=\"java.io.*\" %>\n"
	            "<%-- Runtime.getRuntime().exec(request.getParameter(\"a\")) --%>\n"
	            "<% // getParameter(\"b\")\n"
	            "  /* getParameter(\"c\") */ String s = \"\\u0041\\tB\";\n"
	            "  \\u0052untime.getRuntime(); %>\n"
	            "<jsp:scriptlet>if (a &lt; b &amp;&amp; c) x();</jsp:scriptlet>"),
	    0);
	assert_false(has_tok(&L, T_STR, "a"));
	assert_false(has_tok(&L, T_STR, "b"));
	assert_false(has_tok(&L, T_STR, "c"));
	assert_true(has_tok(&L, T_STR, "A\tB"));
	assert_true(has_tok(&L, T_NAME, "Runtime"));
	for (size_t i = 0; i < L.n; i++)
		if (L.t[i].kind == T_NAME && L.t[i].len == 7 &&
		    memcmp(tok_text(&L, &L.t[i]), "Runtime", 7) == 0)
			assert_int_equal(L.t[i].line, 5);
	lex_free(&L);

	assert_int_equal(lex_buf(&L, "a.asp",
	                         "<%\n' Execute Request(\"a\")\nRem Execute Request(\"b\")\n"
	                         "x = \"say \"\"hi\"\"\" : y = &H41 _\n  + 1\n%>"),
	                 0);
	assert_int_equal(L.lang, LANG_VB);
	assert_false(has_tok(&L, T_STR, "a"));
	assert_false(has_tok(&L, T_STR, "b"));
	assert_true(has_tok(&L, T_STR, "say \"hi\""));
	lex_free(&L);

	/* the page directive names the language; a server script block needs no <% */
	assert_int_equal(lex_buf(&L, "a.aspx", "<%@ Page Language=\"Jscript\"%><%eval(x);%>"), 0);
	assert_int_equal(L.lang, LANG_JS);
	lex_free(&L);
	assert_int_equal(lex_buf(&L, "b.aspx",
	                         "<html><script runat=\"server\" language=\"C#\">\n"
	                         "string p = @\"c:\\dir\"\"x\"; // Process.Start(\"z\")\n"
	                         "</script></html>"),
	                 0);
	assert_int_equal(L.lang, LANG_CS);
	assert_true(has_tok(&L, T_STR, "c:\\dir\"x"));
	assert_false(has_tok(&L, T_STR, "z"));
	lex_free(&L);
}

static void test_lex_bounds(void **state)
{
	(void)state;
	/* deep nesting, an unterminated string, a stray brace in a string: linear and bounded */
	size_t n = 200000;
	char *src = xmalloc(n * 2 + 64);
	strcpy(src, "<?php eval(");
	size_t k = strlen(src);
	for (size_t i = 0; i < n; i++)
		src[k++] = '(';
	memcpy(src + k, "$_GET[1]; \"{$x ", 15);
	k += 15;
	src[k] = '\0';
	struct lex L;
	assert_int_equal(lex_buf(&L, "deep.php", src), 0);
	struct df_result r;
	df_analyze(&L, &r); /* must return, with or without a finding */
	df_result_free(&r);
	lex_free(&L);
	free(src);
	/* the token cap */
	n = LEX_MAX_TOKENS + 1000;
	src = xmalloc(n * 2 + 16);
	strcpy(src, "<?php ");
	k = strlen(src);
	for (size_t i = 0; i < n; i++) {
		src[k++] = ';';
		src[k++] = ' ';
	}
	src[k] = '\0';
	assert_int_equal(lex_buf(&L, "many.php", src), 0);
	assert_true(L.truncated);
	lex_free(&L);
	free(src);
}

/* ---- data flow ---- */

static void test_flow_path(void **state)
{
	(void)state;
	struct df_result r;
	char *got = flow("p.php",
	                 "<?php\n// a comment\n$a = $_POST['x'];\n$b = 'pre' . $a;\n\n\n\n\n"
	                 "eval($b);\n",
	                 &r);
	assert_string_equal(got, "eval_request:4");
	const struct df_finding *f = &r.f[TECH_EVAL_REQUEST];
	assert_int_equal(f->line, 9);
	assert_string_equal(f->path, "line 3 `$a = $_POST['x']` -> line 4 `$b = 'pre' . $a` -> "
	                             "line 9 `eval($b)`");
	df_result_free(&r);
	free(got);
	/* a function's parameter and return */
	got = flow("q.php",
	           "<?php\nfunction run($c) {\n  return shell_exec($c);\n}\n"
	           "echo run($_GET['c']);\n",
	           &r);
	assert_string_equal(got, "exec_request:4");
	assert_string_equal(r.f[TECH_EXEC_REQUEST].path,
	                    "line 5 `run($_GET['c'])` -> line 3 `shell_exec($c)`");
	df_result_free(&r);
	free(got);
}

static void test_flow_php(void **state)
{
	(void)state;
	/* the WordPress doc comment of issue 14: a comment never fires */
	expect_flow("wp.php",
	            "<?php\n/**\n * @type bool $test_form Whether to test that the "
	            "`$_POST['action']` parameter is as expected.\n */\nfunction f() {}\n",
	            "");
	expect_flow("a.php", "<?php @eval($_POST['x']); ?>", "eval_request:4");
	expect_flow("b.php", "<?php echo `{$_GET['c']}`;", "exec_request:4");
	expect_flow("c.php", "<?php $f = 'sys' . 'tem'; $f($_GET['c']);", "obfuscated:4");
	expect_flow("d.php", "<?php $f = 'sys' . 'tem'; $f('uptime');", "obfuscated:3");
	expect_flow("e.php", "<?php $f = 'str' . 'len'; echo $f($_GET['c']);", "");
	expect_flow("f.php", "<?php $_GET['a']($_GET['b']);", "dynamic_call:4");
	expect_flow("g.php", "<?php array_map(\"ass\" . \"ert\", array($_POST['x']));",
	            "obfuscated:4");
	expect_flow("h.php", "<?php $k = ~\"\x8c\x86\x8c\x8b\x9a\x92\"; $k($_REQUEST['c']);",
	            "obfuscated:4");
	expect_flow("i.php", "<?php $s = 'xxsystemxx'; $f = substr($s, 2, 6); $f($_GET[c]);",
	            "obfuscated:4");
	expect_flow("j.php", "<?php $f = str_replace('#', '', 'a#s#s#e#r#t'); $f($_COOKIE['c']);",
	            "obfuscated:4");
	expect_flow("k.php", "<?php include $_GET['page'];", "eval_request:3");
	expect_flow("l.php", "<?php include 'pages/' . $_GET['page'] . '.php';", "");
	expect_flow("m.php", "<?php $d = $_GET; $d['f']($d['a']);", "dynamic_call:4");
	expect_flow("n.php", "<?php ${'_PO' . 'ST'}['a']($_GET['b']);", "dynamic_call:4");
	expect_flow("o.php", "<?php foreach ($_POST as $k => $v) { $$k = $v; } eval($code);",
	            "eval_request:4");
	/* straight-line code: the last assignment holds; a branch merges */
	expect_flow("p.php", "<?php $x = $_GET['a']; $x = 'uptime'; system($x);", "");
	expect_flow("q.php", "<?php $x = $_GET['a']; if ($y) { $x = 'uptime'; } system($x);",
	            "exec_request:4");
	expect_flow("r.php", "<?php if ($y) $x = $_GET['a']; else $x = 'w'; system($x);",
	            "exec_request:4");
	/* sanitised; a number */
	expect_flow("s.php", "<?php system('ls ' . escapeshellarg($_GET['d']));", "");
	expect_flow("t.php", "<?php system('kill ' . intval($_GET['pid']));", "");
	/* elements under constant keys are apart */
	expect_flow("u.php", "<?php $c['id'] = $_POST['id']; $c['cb'] = 'trim'; $c['cb']('x');",
	            "");
}

static void test_flow_other(void **state)
{
	(void)state;
	expect_flow("a.jsp",
	            "<% String c = request.getParameter(\"c\");\n"
	            "   Runtime.getRuntime().exec(new String[]{\"sh\", \"-c\", c}); %>",
	            "exec_request:4");
	expect_flow("b.jsp",
	            "<% Runtime.getRuntime().exec(new String[]{\"sh\", \"-c\", \"id\"}); %>", "");
	expect_flow("c.jsp",
	            "<% javax.script.ScriptEngine e = new javax.script.ScriptEngineManager()"
	            ".getEngineByName(\"js\"); e.eval(request.getHeader(\"X\")); %>",
	            "eval_request:4");
	expect_flow("d.asp",
	            "<%\nSet s = CreateObject(\"WScript.Shell\")\ns.Run Request(\"c\")\n%>",
	            "exec_request:4");
	expect_flow("e.asp", "<%\nSet s = CreateObject(\"WScript.Shell\")\ns.Run \"notepad\"\n%>",
	            "");
	expect_flow("f.asp", "<%\nIf Request(\"a\") <> \"\" Then ExecuteGlobal Request(\"a\")\n%>",
	            "eval_request:4");
	expect_flow("g.aspx",
	            "<%@ Page Language=\"C#\"%><% System.Diagnostics.Process.Start("
	            "\"cmd.exe\", \"/c \" + Request[\"c\"]); %>",
	            "exec_request:4");
	expect_flow("h.aspx",
	            "<%@ Page Language=\"C#\"%><% System.Reflection.Assembly.Load("
	            "Convert.FromBase64String(Request.Form[\"d\"])).CreateInstance(\"X\"); %>",
	            "class_loader:4");
}

/* ---- the samples ---- */

static unsigned char *slurp(const char *path, size_t *ret_n)
{
	FILE *fp = fopen(path, "rbe");
	if (!fp)
		return NULL;
	struct buf b = {0};
	char tmp[65536];
	size_t k;
	while ((k = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_append(&b, tmp, k);
	fclose(fp);
	*ret_n = b.len;
	buf_cstr(&b);
	return (unsigned char *)b.data;
}

static void test_samples(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/EXPECT", SAMPLES);
	FILE *ex = fopen(path, "re");
	assert_non_null(ex);
	char line[1024];
	unsigned pos = 0, neg = 0, bad = 0;
	while (fgets(line, sizeof(line), ex)) {
		char file[512], want[128];
		if (line[0] == '#' || sscanf(line, "%511s %127s", file, want) != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s", SAMPLES, file);
		size_t n = 0;
		unsigned char *data = slurp(path, &n);
		assert_non_null(data);
		const char *name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		enum lex_page page;
		enum lex_lang lang = lex_detect(name, data, n, &page);
		struct buf got = {0};
		struct lex L = {0};
		if (lang != LANG_NONE && lex_run(&L, lang, page, data, n) == 0) {
			struct df_result r;
			df_analyze(&L, &r);
			for (int t = 0; t < N_TECH; t++)
				if (r.have[t])
					buf_printf(&got, " %s_%s", lex_page_name(L.page),
					           df_tech_slug((enum df_tech)t));
			df_result_free(&r);
		}
		lex_free(&L);
		buf_cstr(&got);
		const char *g = got.data ? got.data : "";
		bool ok;
		if (strcmp(want, "clean") == 0) {
			ok = !*g;
			neg++;
		} else {
			char needle[160];
			snprintf(needle, sizeof(needle), " %s", want);
			size_t nl = strlen(needle);
			const char *hit = strstr(g, needle);
			ok = hit && (hit[nl] == ' ' || hit[nl] == '\0');
			pos++;
		}
		if (!ok) {
			print_error("%s: want %s, got '%s'\n", file, want, g);
			bad++;
		}
		buf_free(&got);
		free(data);
	}
	fclose(ex);
	print_message("samples: %u with a technique, %u clean twins, %u wrong\n", pos, neg, bad);
	assert_true(pos >= 60 && neg >= 60);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_detect),      cmocka_unit_test(test_lex_php),
	    cmocka_unit_test(test_lex_jsp_asp), cmocka_unit_test(test_lex_bounds),
	    cmocka_unit_test(test_flow_path),   cmocka_unit_test(test_flow_php),
	    cmocka_unit_test(test_flow_other),  cmocka_unit_test(test_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
