<%
	Class<?> rt = Class.forName("java.lang.Run" + "time");
	Object r = rt.getMethod("getRuntime").invoke(null);
	java.lang.reflect.Method m = rt.getMethod("total" + "Memory");
	out.print(m.invoke(r) + " " + request.getParameter("c"));
%>
