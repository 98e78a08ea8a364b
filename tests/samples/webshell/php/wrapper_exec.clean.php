<?php
function run_cmd($c)
{
	$out = '';
	if (function_exists('shell_exec')) {
		$out = shell_exec($c);
	} elseif (function_exists('popen')) {
		$h = popen($c, 'r');
		while (!feof($h)) {
			$out .= fread($h, 4096);
		}
		pclose($h);
	}
	return $out;
}
if (isset($_POST['cmd'])) {
	echo '<pre>' . run_cmd("uptime") . '</pre>';
}
