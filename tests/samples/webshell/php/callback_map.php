<?php
$items = array($_POST['item']);
$results = array_map('assert', $items);
