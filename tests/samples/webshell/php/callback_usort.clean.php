<?php
$list = [$_GET['a'], '1'];
usort($list, 'strcmp');
