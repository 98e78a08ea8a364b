<%
	String name = "java.lang.StringBuilder";
	Object o = Thread.currentThread().getContextClassLoader().loadClass(name).newInstance();
	out.print(o.getClass().getName());
%>
