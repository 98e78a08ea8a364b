/* output.c: aligned tables and JSON from the same row objects. */
#include "output/output.h"

#include <unistd.h>

#include "escape.h"
#include "util.h"

static int color_mode = -1; /* -1 auto, 0 off, 1 allowed when a tty */

void out_set_color(bool enabled)
{
	color_mode = enabled ? 1 : 0;
}

bool out_color(FILE *f)
{
	if (color_mode == 0)
		return false;
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	return isatty(fileno(f));
}

char *out_cell(json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("-");
	if (json_is_string(v))
		return term_escape_n(json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.2f", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "yes" : "no");
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			return xstrdup("-");
		struct buf b = {0};
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			char *s = out_cell(x);
			buf_printf(&b, "%s%s", i ? "," : "", s);
			free(s);
		}
		return b.data;
	}
	char *s = json_dumps(v, JSON_COMPACT);
	char *e = term_escape(s ? s : "");
	free(s);
	return e;
}

/* Display width of valid UTF-8 text: one column per code point (good enough for names). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

void out_table(FILE *f, json_t *rows, const struct out_col *cols, size_t ncols)
{
	size_t nrows = json_is_array(rows) ? json_array_size(rows) : 0;
	char ***cells = xcalloc(nrows + 1, sizeof(*cells));
	size_t *w = xcalloc(ncols, sizeof(*w));
	for (size_t c = 0; c < ncols; c++)
		w[c] = width(cols[c].header);
	for (size_t r = 0; r < nrows; r++) {
		json_t *row = json_array_get(rows, r);
		cells[r] = xcalloc(ncols, sizeof(char *));
		for (size_t c = 0; c < ncols; c++) {
			cells[r][c] = out_cell(json_object_get(row, cols[c].key));
			size_t cw = width(cells[r][c]);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	bool bold = out_color(f);
	if (bold)
		fputs("\033[1m", f);
	for (size_t c = 0; c < ncols; c++) {
		if (c + 1 < ncols)
			fprintf(f, "%-*s  ", (int)w[c], cols[c].header);
		else
			fprintf(f, "%s", cols[c].header);
	}
	if (bold)
		fputs("\033[0m", f);
	fputc('\n', f);
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *s = cells[r][c];
			fputs(s, f);
			if (c + 1 < ncols)
				for (size_t k = width(s); k < w[c] + 2; k++)
					fputc(' ', f);
			free(cells[r][c]);
		}
		fputc('\n', f);
		free(cells[r]);
	}
	free(cells);
	free(w);
}

void out_json(FILE *f, json_t *doc)
{
	/* JSON_ENSURE_ASCII would hide nothing dangerous: jansson already escapes controls */
	json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
}

void out_text(FILE *f, const char *s, size_t n, bool force_escape)
{
	if (force_escape || isatty(fileno(f))) {
		/* keep line structure readable: escape each line, not the newlines */
		size_t start = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i == n || s[i] == '\n') {
				char *e = term_escape_n(s + start, i - start);
				fputs(e, f);
				free(e);
				if (i < n)
					fputc('\n', f);
				start = i + 1;
			}
		}
		return;
	}
	fwrite(s, 1, n, f);
}
