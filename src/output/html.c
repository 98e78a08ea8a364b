/* html.c: one self-contained HTML file: summary, inline SVG topology, sortable and filterable
 * tables, printable. */
#include "output/html.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#include "escape.h"

/* A string literal, its length counted by the compiler. */
#define buf_lit(b, s) buf_append((b), (s), sizeof(s) - 1)

void html_escape(struct buf *b, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&':
			buf_lit(b, "&amp;");
			break;
		case '<':
			buf_lit(b, "&lt;");
			break;
		case '>':
			buf_lit(b, "&gt;");
			break;
		case '"':
			buf_lit(b, "&quot;");
			break;
		case '\'':
			buf_lit(b, "&#39;");
			break;
		default:
			if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
				buf_printf(b, "\\x%02x", (unsigned char)*p);
			else
				buf_append(b, p, 1);
		}
	}
}

static void esc_json(struct buf *b, json_t *v)
{
	if (!v || json_is_null(v)) {
		buf_lit(b, "");
		return;
	}
	if (json_is_string(v)) {
		/* invalid UTF-8 was already made visible by json_str; controls are escaped here */
		html_escape(b, json_string_value(v));
		return;
	}
	if (json_is_integer(v)) {
		buf_printf(b, "%lld", (long long)json_integer_value(v));
		return;
	}
	if (json_is_real(v)) {
		buf_printf(b, "%.2f", json_real_value(v));
		return;
	}
	if (json_is_boolean(v)) {
		buf_append(b, json_is_true(v) ? "yes" : "no", json_is_true(v) ? 3 : 2);
		return;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (i)
				buf_lit(b, ", ");
			esc_json(b, x);
		}
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT);
	html_escape(b, s);
	free(s);
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe "
    "UI',sans-serif;margin:0;color:#1b1f24;background:#fff}"
    "header{background:#1b1f24;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}"
    "header .meta{font-size:12px;color:#c9d1d9;margin-top:4px;word-break:break-all}"
    "main{padding:8px 24px 40px}h2{font-size:17px;border-bottom:2px solid "
    "#d0d7de;padding-bottom:4px;margin-top:28px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #d0d7de;border-left:6px "
    "solid #cf222e;"
    "border-radius:6px;padding:10px 14px;min-width:260px;flex:1 1 300px;break-inside:avoid}"
    ".card.s2{border-left-color:#bf8700}.card.s1{border-left-color:#57606a}.card h3{margin:0 0 "
    "4px;font-size:15px}"
    ".card .score{float:right;font-weight:bold}.card ul{margin:4px 0 6px 18px;padding:0}"
    "code{background:#f6f8fa;padding:1px 4px;border-radius:4px;font-size:12px;word-break:break-all}"
    "table{border-collapse:collapse;width:100%;font-size:12.5px;margin-top:6px}"
    "th,td{border:1px solid #d0d7de;padding:3px "
    "6px;text-align:left;vertical-align:top;word-break:break-word}"
    "th{background:#f6f8fa;cursor:pointer;user-select:none}th.asc::after{content:' "
    "\\25B2'}th.desc::after{content:' \\25BC'}"
    "tr:nth-child(even) td{background:#fbfcfd}input.filter{margin:4px 0;padding:4px "
    "8px;width:320px;max-width:100%}"
    ".topo{overflow:auto;border:1px solid #d0d7de;border-radius:6px;padding:6px}.topo "
    "svg{max-width:100%;height:auto}"
    ".sev-critical,.sev-high{color:#cf222e;font-weight:bold}.sev-medium{color:#bf8700}"
    ".stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.stat{border:1px solid "
    "#d0d7de;border-radius:6px;"
    "padding:6px 14px;min-width:110px;text-align:center}.stat "
    "b{display:block;font-size:22px}.stat.alert b{color:#cf222e}"
    ".stat span{font-size:11px;color:#57606a}header "
    ".sub{font-size:13px;margin-top:4px;color:#ffd8a8}"
    "h2.part{font-size:20px;border-bottom:3px solid #1b1f24;margin-top:40px}"
    ".partmeta{font-size:12px;color:#57606a;word-break:break-all}"
    "footer{font-size:11px;color:#57606a;padding:12px 24px;border-top:1px solid #d0d7de}"
    "@media "
    "print{input.filter{display:none}th{cursor:auto}.topo{overflow:visible}header{background:#fff;"
    "color:#000;"
    "border-bottom:2px solid #000}header .meta{color:#000}tr{break-inside:avoid}}";

/* Sorting and filtering without any external code. */
static const char js[] =
    "document.querySelectorAll('table.data').forEach(function(t){"
    "var ths=t.tHead.rows[0].cells;"
    "Array.prototype.forEach.call(ths,function(th,i){th.addEventListener('click',function(){"
    "var "
    "asc=!th.classList.contains('asc');Array.prototype.forEach.call(ths,function(h){h.classList."
    "remove('asc','desc')});"
    "th.classList.add(asc?'asc':'desc');var rows=Array.prototype.slice.call(t.tBodies[0].rows);"
    "rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent;"
    "var nx=parseFloat(x),ny=parseFloat(y);var "
    "c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c});"
    "rows.forEach(function(r){t.tBodies[0].appendChild(r)})})});"
    "var f=document.getElementById('f-'+t.id);if(f)f.addEventListener('input',function(){"
    "var q=f.value.toLowerCase();Array.prototype.forEach.call(t.tBodies[0].rows,function(r){"
    "r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none'})})});";

/* Our own SVG (from Graphviz) is trusted in shape, but names inside it are not: refuse it
 * whole if anything active slipped in. */
static bool svg_safe(const char *s)
{
	static const char *bad[] = {"<script", "javascript:", " on",        "<foreignobject",
	                            "<iframe", "href=\"http", "href='http", "xlink:href=\"http",
	                            "@import", "url(http"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *p = s;
		size_t l = strlen(bad[i]);
		for (; *p; p++)
			if (strncasecmp(p, bad[i], l) == 0) {
				/* " on" only matters as an attribute: " onload=" etc. */
				if (i == 2) {
					const char *q = p + 3;
					while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
						q++;
					if (*q != '=')
						continue;
				}
				return false;
			}
	}
	return true;
}

static void table(struct buf *b, json_t *t)
{
	const char *id = json_string_value(json_object_get(t, "id"));
	json_t *cols = json_object_get(t, "columns");
	json_t *rows = json_object_get(t, "rows");
	buf_lit(b, "<section><h2>");
	html_escape(b, json_string_value(json_object_get(t, "title")));
	buf_printf(b, " <small>(%zu)</small></h2>\n", json_array_size(rows));
	if (json_array_size(rows) == 0) {
		buf_printf(b, "<p>None.</p></section>\n");
		return;
	}
	buf_lit(b, "<input class=\"filter\" placeholder=\"filter\" id=\"f-");
	html_escape(b, id);
	buf_lit(b, "\"><table class=\"data\" id=\"");
	html_escape(b, id);
	buf_lit(b, "\"><thead><tr>");
	size_t i;
	json_t *c;
	json_array_foreach(cols, i, c)
	{
		buf_lit(b, "<th>");
		html_escape(b, json_string_value(json_object_get(c, "title")));
		buf_lit(b, "</th>");
	}
	buf_lit(b, "</tr></thead><tbody>\n");
	size_t r;
	json_t *row;
	json_array_foreach(rows, r, row)
	{
		buf_lit(b, "<tr>");
		json_array_foreach(cols, i, c)
		{
			const char *key = json_string_value(json_object_get(c, "key"));
			json_t *v = key ? json_object_get(row, key) : NULL;
			if (key && streq(key, "severity") && json_is_string(v)) {
				buf_lit(b, "<td class=\"sev-");
				html_escape(b, json_string_value(v));
				buf_lit(b, "\">");
			} else
				buf_lit(b, "<td>");
			esc_json(b, v);
			buf_lit(b, "</td>");
		}
		buf_lit(b, "</tr>\n");
	}
	buf_lit(b, "</tbody></table></section>\n");
}

/* The page's head (a strict content policy: nothing may be fetched) and its header: title,
 * host, time, version, command, and the subtitle. */
static void page_head(struct buf *b, json_t *doc)
{
	const char *title = json_string_value(json_object_get(doc, "title"));
	buf_lit(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
	buf_printf(b, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	              "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">");
	buf_lit(b, "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	html_escape(b, title ? title : "cirt report");
	buf_printf(b, "</title><style>%s</style></head><body>\n<header><h1>", css);
	html_escape(b, title ? title : "cirt report");
	buf_lit(b, "</h1><div class=\"meta\">host <b>");
	html_escape(b, json_string_value(json_object_get(doc, "hostname")));
	buf_lit(b, "</b> &middot; generated ");
	html_escape(b, json_string_value(json_object_get(doc, "generated")));
	buf_lit(b, " UTC &middot; cirt ");
	html_escape(b, json_string_value(json_object_get(doc, "cirt_version")));
	buf_lit(b, " &middot; <code>");
	html_escape(b, json_string_value(json_object_get(doc, "command")));
	buf_lit(b, "</code></div>");
	const char *sub = json_string_value(json_object_get(doc, "subtitle"));
	if (sub) {
		buf_lit(b, "<div class=\"sub\">");
		html_escape(b, sub);
		buf_lit(b, "</div>");
	}
	buf_lit(b, "</header>\n<main>\n");
}

/* The counts, one small card each. */
static void page_cards(struct buf *b, json_t *cards)
{
	if (!json_array_size(cards))
		return;
	size_t ci;
	json_t *card;
	buf_printf(b, "<div class=\"stats\" id=\"counts\">");
	json_array_foreach(cards, ci, card)
	{
		buf_printf(b, "<div class=\"stat%s\"><b>",
		           json_is_true(json_object_get(card, "alert")) ? " alert" : "");
		esc_json(b, json_object_get(card, "value"));
		buf_lit(b, "</b><span>");
		esc_json(b, json_object_get(card, "label"));
		buf_lit(b, "</span></div>");
	}
	buf_lit(b, "</div>\n");
}

/* One card per ranked container: score, reasons, next commands (and its host in a fleet's
 * summary). */
static void page_summary(struct buf *b, json_t *summary, const char *id, const char *title)
{
	buf_lit(b, "<section id=\"");
	html_escape(b, id);
	buf_lit(b, "\"><h2>");
	html_escape(b, title);
	buf_lit(b, "</h2>\n");
	if (json_array_size(summary) == 0)
		buf_printf(b, "<p>Nothing stood out.</p>\n");
	buf_lit(b, "<div class=\"cards\">\n");
	size_t i;
	json_t *s;
	json_array_foreach(summary, i, s)
	{
		long long score = json_integer_value(json_object_get(s, "score"));
		buf_printf(b, "<div class=\"card %s\"><span class=\"score\">%lld</span><h3>",
		           score >= 50   ? "s3"
		           : score >= 20 ? "s2"
		                         : "s1",
		           score);
		html_escape(b, json_string_value(json_object_get(s, "container")));
		const char *host = json_string_value(json_object_get(s, "host"));
		if (host) {
			buf_lit(b, " <small>on ");
			html_escape(b, host);
			buf_lit(b, "</small>");
		}
		buf_lit(b, "</h3><ul>");
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(s, "reasons"), k, r)
		{
			buf_lit(b, "<li>");
			esc_json(b, r);
			buf_lit(b, "</li>");
		}
		buf_lit(b, "</ul>");
		json_array_foreach(json_object_get(s, "next"), k, r)
		{
			buf_lit(b, "<div>next: <code>");
			esc_json(b, r);
			buf_lit(b, "</code></div>");
		}
		buf_lit(b, "</div>\n");
	}
	buf_lit(b, "</div></section>\n");
}

/* The inline SVG, unless it holds active content. */
static void page_topology(struct buf *b, const char *svg)
{
	if (!svg)
		return;
	buf_lit(b, "<section id=\"topology\"><h2>Topology</h2><div class=\"topo\">");
	const char *start = strstr(svg, "<svg");
	if (start && svg_safe(start))
		buf_append(b, start, strlen(start));
	else
		buf_lit(b, "<p>(topology omitted: it held active content)</p>");
	buf_lit(b, "</div></section>\n");
}

static void page_notes(struct buf *b, json_t *notes)
{
	if (!json_array_size(notes))
		return;
	size_t i;
	json_t *t;
	buf_lit(b, "<section><h2>Notes</h2><ul>");
	json_array_foreach(notes, i, t)
	{
		buf_lit(b, "<li>");
		esc_json(b, t);
		buf_lit(b, "</li>");
	}
	buf_lit(b, "</ul></section>\n");
}

/* A part of the page of its own (one host of a fleet): a heading, a line about it, then the
 * same parts as a page: counts, summary, topology, tables, notes. Ids come from the document
 * and must be unique in the page. */
static void page_section(struct buf *b, json_t *sec)
{
	const char *id = json_string_value(json_object_get(sec, "id"));
	buf_lit(b, "<section class=\"part\" id=\"");
	html_escape(b, id ? id : "");
	buf_lit(b, "\"><h2 class=\"part\">");
	html_escape(b, json_string_value(json_object_get(sec, "title")));
	buf_lit(b, "</h2>");
	const char *meta = json_string_value(json_object_get(sec, "meta"));
	if (meta) {
		buf_lit(b, "<p class=\"partmeta\">");
		html_escape(b, meta);
		buf_lit(b, "</p>");
	}
	page_cards(b, json_object_get(sec, "cards"));
	_cleanup_free_ char *sid = xasprintf("%s-summary", id ? id : "");
	if (json_object_get(sec, "summary"))
		page_summary(b, json_object_get(sec, "summary"), sid, "Look at these first");
	page_topology(b, json_string_value(json_object_get(sec, "topology_svg")));
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(sec, "tables"), i, t) table(b, t);
	page_notes(b, json_object_get(sec, "notes"));
	buf_lit(b, "</section>\n");
}

/* The notes, the footer and the script that sorts and filters. */
static void page_tail(struct buf *b, json_t *doc)
{
	page_notes(b, json_object_get(doc, "notes"));
	buf_printf(b, "</main><footer>Produced by cirt %s: ",
	           json_string_value(json_object_get(doc, "cirt_version")) ?: "?");
	html_escape(b, json_string_value(json_object_get(doc, "command")));
	buf_printf(b, "</footer><script>%s</script></body></html>\n", js);
}

int html_report(FILE *f, json_t *doc, struct cirt_err *err)
{
	struct buf b = {0};
	page_head(&b, doc);
	page_cards(&b, json_object_get(doc, "cards"));
	const char *st = json_string_value(json_object_get(doc, "summary_title"));
	page_summary(&b, json_object_get(doc, "summary"), "summary",
	             st ? st : "Summary: look at these first");
	page_topology(&b, json_string_value(json_object_get(doc, "topology_svg")));
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(doc, "tables"), i, t) table(&b, t);
	json_array_foreach(json_object_get(doc, "sections"), i, t) page_section(&b, t);
	page_tail(&b, doc);
	size_t len = b.len;
	size_t w = fwrite(b.data, 1, len, f);
	int ferr = fflush(f);
	buf_free(&b);
	if (w != len || ferr)
		return err_set(err, CIRT_EXIT_RUNTIME, "write report: %s", strerror(errno));
	return 0;
}

int html_report_file(const char *path, json_t *doc, const char *what, struct cirt_err *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "%s '%s': %s", what, path, strerror(errno));
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return err_set(err, CIRT_EXIT_RUNTIME, "%s '%s': %s", what, path, strerror(e));
	}
	int r = html_report(f, doc, err);
	if (r == 0 && fsync(fileno(f)) < 0)
		r = err_set(err, CIRT_EXIT_RUNTIME, "%s '%s': %s", what, path, strerror(errno));
	if (fclose(f) != 0 && r == 0)
		r = err_set(err, CIRT_EXIT_RUNTIME, "%s '%s': %s", what, path, strerror(errno));
	if (r == 0 && rename(tmp, path) < 0)
		r = err_set(err, CIRT_EXIT_RUNTIME, "%s '%s': %s", what, path, strerror(errno));
	if (r < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
