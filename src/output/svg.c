/* svg.c: lay out and render DOT text as SVG with Graphviz's libgvc. Kept apart from the model:
 * graphviz's headers define a "struct port" of their own. */
#include "output/svg.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

int svg_from_dot(const char *dot, struct buf *out, struct cirt_err *err)
{
	GVC_t *gvc = gvContext();
	if (!gvc)
		return err_set(err, CIRT_EXIT_RUNTIME, "graphviz: cannot create a context");
	int rc = -1;
	Agraph_t *g = agmemread(dot);
	if (!g) {
		err_set(err, CIRT_EXIT_RUNTIME, "graphviz: cannot parse the generated DOT");
		goto out;
	}
	if (gvLayout(gvc, g, "dot") != 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "graphviz: layout failed (is the 'dot' layout plugin installed?)");
		agclose(g);
		goto out;
	}
	char *data = NULL;
	unsigned int len = 0;
	if (gvRenderData(gvc, g, "svg", &data, &len) != 0 || !data) {
		err_set(err, CIRT_EXIT_RUNTIME, "graphviz: svg rendering failed");
	} else {
		buf_append(out, data, len);
		rc = 0;
	}
	if (data)
		gvFreeRenderData(data);
	gvFreeLayout(gvc, g);
	agclose(g);
out:
	gvFreeContext(gvc);
	return rc;
}
