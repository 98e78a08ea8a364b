/* deadbox.c (output): the dead-box locate answer as JSON and as tables (see deadbox.h). */
#include "output/deadbox.h"

#include "escape.h"
#include "json.h"
#include "output/output.h"

json_t *deadbox_locate_doc_json(const struct deadbox_locate *r, json_t *offline)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "address", json_string(r->addr));
	if (offline)
		json_object_set_new(doc, "offline", offline);
	json_t *held = json_array(), *seen = json_array(), *who = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct deadbox_hit *x = &r->v[i];
		json_array_append_new(x->holder ? held : seen, deadbox_hit_json(x));
		if (!x->holder || !x->container)
			continue;
		bool dup = false;
		size_t k;
		json_t *v;
		json_array_foreach(who, k, v) dup |= streq(json_string_value(v), x->container);
		if (!dup)
			json_array_append_new(who, json_string(x->container));
	}
	json_object_set_new(doc, "holders", who);
	json_object_set_new(doc, "held", held);
	json_object_set_new(doc, "mentions", seen);
	json_object_set_new(doc, "journal_lines", json_integer((json_int_t)r->journal_lines));
	json_object_set_new(doc, "notes", json_incref(r->notes));
	return doc;
}

static const struct out_col held_cols[] = {
    {"CONTAINER", "container"}, {"ID", "id"},         {"FROM (UTC)", "from"},
    {"UNTIL (UTC)", "until"},   {"EVIDENCE", "kind"}, {"DETAIL", "detail"},
};

static const struct out_col seen_cols[] = {
    {"TIME (UTC)", "time"},
    {"CONTAINER", "container"},
    {"EVIDENCE", "kind"},
    {"DETAIL", "detail"},
};

static json_t *when(int64_t ns, const char *none)
{
	char b[48];
	return json_string(ns ? fmt_utc_ns(ns, b, sizeof(b)) : none);
}

void deadbox_locate_print(FILE *out, const struct deadbox_locate *r)
{
	json_t *held = json_array(), *seen = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct deadbox_hit *x = &r->v[i];
		json_t *row = json_object();
		const char *name = x->container ? x->container : "?";
		json_object_set_new(row, "container",
		                    x->removed ? json_sprintf("%s (removed)", name)
		                               : json_string(name));
		json_object_set_new(row, "id",
		                    x->container_id ? json_sprintf("%.12s", x->container_id)
		                                    : json_string("-"));
		json_object_set_new(row, "kind", json_str(x->kind));
		json_object_set_new(row, "detail", json_str(x->detail));
		if (x->holder) {
			json_object_set_new(row, "from", when(x->from_ns, "?"));
			json_object_set_new(row, "until",
			                    x->open ? json_string("(still held when imaged)")
			                            : when(x->until_ns, "?"));
			json_array_append_new(held, row);
		} else {
			json_object_set_new(row, "time", when(x->from_ns, "?"));
			json_array_append_new(seen, row);
		}
	}
	fprintf(out, "HELD %s\n", r->addr);
	if (json_array_size(held))
		out_table(out, held, held_cols, ARRAY_SIZE(held_cols));
	else
		fprintf(out, "no container of the image is known to have held it\n");
	if (json_array_size(seen)) {
		fprintf(out, "\nMENTIONED OR CONTACTED\n");
		out_table(out, seen, seen_cols, ARRAY_SIZE(seen_cols));
	}
	if (r->journal_lines)
		fprintf(out, "\n(%zu lines of the image's cirt journal searched)\n",
		        r->journal_lines);
	json_decref(held);
	json_decref(seen);
}
