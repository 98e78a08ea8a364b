/* cppcheck-defs.h: what cppcheck needs to parse cirt without the system headers (tests/static.sh):
 * jansson's iteration macros, which it would otherwise call unknown; libbpf's map and section
 * macros (bpf/bpf_helpers.h) for the BPF program in src/sources/bpf. */
#define json_array_foreach(array, index, value)                                                    \
	for (index = 0; index < json_array_size(array) && (value = json_array_get(array, index));  \
	     index++)
#define json_object_foreach(object, key, value)                                                    \
	for (key = json_object_iter_key(json_object_iter(object));                                 \
	     key && (value = json_object_iter_value(json_object_key_to_iter(key)));                \
	     key = json_object_iter_key(                                                           \
	         json_object_iter_next(object, json_object_key_to_iter(key))))
#define json_object_foreach_safe(object, n, key, value) json_object_foreach(object, key, value)
#define SEC(name)
#define __uint(name, val) int(*name)[val]
#define __type(name, val) val *name
#define __always_inline inline
