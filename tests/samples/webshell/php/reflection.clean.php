<?php
$rf = new ReflectionFunction('str' . 'toupper');
echo $rf->invoke($_GET['c']);
