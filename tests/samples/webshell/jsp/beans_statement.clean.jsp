<%@ page import="java.beans.*" %>
<%
	String c = request.getHeader("X-C");
	Statement st = new Statement(Runtime.getRuntime(), "gc", new Object[] {});
	st.execute();
%>
