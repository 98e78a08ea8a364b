<?php
include 'config/' . 'settings.php';
