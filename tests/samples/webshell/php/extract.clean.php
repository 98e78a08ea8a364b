<?php
extract(array('code' => 'return 1;'));
if (isset($code)) {
	eval($code);
}
