<?php
// the request is only tested by preg_match (no captures): a registered callback runs
function save_widget() {
	global $registered;
	$settings = isset($_POST['widget']) ? $_POST['widget'] : false;
	if ($settings && preg_match('/__i__|%i%/', key($settings))) {
		$settings = array();
	}
	foreach ((array) $registered as $name => $control) {
		call_user_func_array($control['callback'], $control['params']);
	}
}
