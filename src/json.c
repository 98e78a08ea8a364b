/* json.c: typed jansson accessors: a wrong type gives NULL or the default, never a crash. */
#include "json.h"

#include <string.h>

const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

long long jint(json_t *o, const char *key, long long dflt)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) {
		/* a number the answer wrote as 5.3e53 or nan is no integer: converting it would be
		 * undefined */
		double r = json_real_value(v);
		return r >= -9.2e18 && r <= 9.2e18 ? (long long)r : dflt;
	}
	return dflt;
}

bool jbool(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_true(v);
}

json_t *jobj(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_object(v) ? v : NULL;
}

json_t *jarr(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_array(v) ? v : NULL;
}

json_t *jpath(json_t *o, const char *dotted)
{
	char key[128];
	const char *p = dotted;
	while (o && *p) {
		size_t l = strcspn(p, ".");
		if (l >= sizeof(key))
			return NULL;
		memcpy(key, p, l);
		key[l] = '\0';
		o = json_is_object(o) ? json_object_get(o, key) : NULL;
		p += l;
		if (*p == '.')
			p++;
	}
	return o;
}
