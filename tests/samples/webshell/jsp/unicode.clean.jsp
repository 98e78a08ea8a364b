<%
	\u0052untime.getRuntime().\u0065xec("true");
%>
