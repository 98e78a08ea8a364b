<%@ page import="javax.script.*" %>
<%
	ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
	Object result = engine.eval("6 * 7");
	out.print(result);
%>
