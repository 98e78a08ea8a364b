/* contain.c (output): what `cirt contain` and `cirt release` did or would do, as a table of
 * steps (with every change of a dry run) or JSON, and the --status table. */
#include "output/contain.h"

#include "escape.h"
#include "output/output.h"
#include "json.h"
#include "util.h"

static const struct out_col step_cols[] = {
    {"CONTAINER", "container"},
    {"ACTION", "action"},
    {"RESULT", "result"},
    {"DETAIL", "detail"},
};

static void print_change(FILE *f, json_t *ch)
{
	const char *kind = jstr(ch, "kind") ? jstr(ch, "kind") : "";
	if (streq(kind, "firewall")) {
		struct buf b = {0};
		size_t i;
		json_t *v;
		json_array_foreach(jarr(ch, "argv"), i, v)
		{
			buf_printf(&b, "%s%s", i ? " " : "",
			           json_string_value(v) ? json_string_value(v) : "");
		}
		_cleanup_free_ char *text = term_escape(jstr(ch, "stdin"));
		/* term_escape shows newlines as \n: print the input line by line instead */
		fprintf(f, "  %s <<'EOF'\n", buf_cstr(&b));
		const char *s = jstr(ch, "stdin") ? jstr(ch, "stdin") : "";
		while (*s) {
			size_t n = strcspn(s, "\n");
			_cleanup_free_ char *l = term_escape_n(s, n);
			fprintf(f, "    %s\n", l);
			s += n;
			if (*s)
				s++;
		}
		fprintf(f, "  EOF\n");
		buf_free(&b);
		(void)text;
	} else if (streq(kind, "api")) {
		_cleanup_free_ char *body =
		    json_object_get(ch, "body")
		        ? json_dumps(json_object_get(ch, "body"), JSON_COMPACT)
		        : NULL;
		_cleanup_free_ char *eb = body ? term_escape(body) : NULL;
		_cleanup_free_ char *ep = term_escape(jstr(ch, "path"));
		fprintf(f, "  %s %s%s%s\n", jstr(ch, "method") ? jstr(ch, "method") : "?", ep,
		        eb ? " " : "", eb ? eb : "");
	} else if (streq(kind, "conntrack")) {
		fprintf(f,
		        "  conntrack: delete the %lld flow%s of its addresses (peers in the allow "
		        "list kept)\n",
		        (long long)jint(ch, "flows", 0), jint(ch, "flows", 0) == 1 ? "" : "s");
	}
}

void contain_out_steps(FILE *out, json_t *steps, bool dry_run, bool json)
{
	size_t i;
	json_t *s;
	if (json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "dry_run", json_boolean(dry_run));
		json_object_set(doc, "steps", steps);
		out_json(out, doc);
		json_decref(doc);
		return;
	}
	/* a failed step is what main reports on stderr: the table shows what was done */
	json_t *shown = json_array();
	json_array_foreach(steps, i, s)
	{
		const char *r = jstr(s, "result");
		if (!r || !streq(r, "failed"))
			json_array_append(shown, s);
	}
	if (json_array_size(shown))
		out_table(out, shown, step_cols, ARRAY_SIZE(step_cols));
	json_decref(shown);
	if (!dry_run)
		return;
	fprintf(out, "\nwould change (nothing was changed):\n");
	json_array_foreach(steps, i, s)
	{
		json_t *chs = jarr(s, "changes");
		if (!json_array_size(chs))
			continue;
		_cleanup_free_ char *n = term_escape(jstr(s, "container"));
		fprintf(out, "%s %s:\n", jstr(s, "action"), n);
		size_t k;
		json_t *ch;
		json_array_foreach(chs, k, ch)
		{
			print_change(out, ch);
		}
	}
}

static const struct out_col status_cols[] = {
    {"CONTAINER", "name"}, {"STATE", "state"},     {"ACTIONS", "actions"},   {"SINCE", "since"},
    {"HOLDS", "holds"},    {"DROPPED", "dropped"}, {"PROBLEMS", "problems"},
};

bool contain_out_status(FILE *out, json_t *list, const char *ref, bool json)
{
	bool holds = true;
	json_t *rows = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
	{
		if (!json_is_true(json_object_get(o, "holds")))
			holds = false;
		json_t *r = json_object();
		json_object_set(r, "name", json_object_get(o, "name"));
		json_object_set(r, "state", json_object_get(o, "container_state"));
		json_object_set(r, "since", json_object_get(o, "since"));
		json_object_set_new(
		    r, "holds",
		    json_string(json_is_true(json_object_get(o, "holds")) ? "yes" : "NO"));
		json_t *acts = json_array();
		struct buf pb = {0};
		json_t *dropped = json_null();
		size_t k;
		json_t *a;
		json_array_foreach(jarr(o, "actions"), k, a)
		{
			const char *t = jstr(a, "type");
			if (t && streq(t, "disconnect"))
				json_array_append_new(
				    acts,
				    json_sprintf("disconnect:%s",
				                 jstr(a, "network") ? jstr(a, "network") : "?"));
			else
				json_array_append_new(acts, json_str(t));
			size_t q;
			json_t *pr;
			json_array_foreach(jarr(a, "problems"), q, pr)
			{
				buf_printf(&pb, "%s%s", pb.len ? "; " : "",
				           json_string_value(pr) ? json_string_value(pr) : "");
			}
			if (json_object_get(a, "dropped_frames"))
				dropped = json_object_get(a, "dropped_frames");
		}
		json_object_set_new(r, "actions", acts);
		json_object_set(r, "dropped", dropped);
		json_object_set_new(r, "problems", pb.len ? json_str(buf_cstr(&pb)) : json_null());
		buf_free(&pb);
		json_array_append_new(rows, r);
	}
	if (json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "holds", json_boolean(holds));
		json_object_set_new(doc, "contained", json_incref(list));
		out_json(out, doc);
		json_decref(doc);
	} else if (json_array_size(rows) == 0 && ref) {
		_cleanup_free_ char *en = term_escape(ref);
		fprintf(out, "cirt keeps '%s' in no containment\n", en);
	} else if (json_array_size(rows) == 0)
		fprintf(out, "cirt keeps no container contained\n");
	else
		out_table(out, rows, status_cols, ARRAY_SIZE(status_cols));
	json_decref(rows);
	return holds;
}
