<?php
$fn = 'str' . 'len';
$fn($_REQUEST['c']);
