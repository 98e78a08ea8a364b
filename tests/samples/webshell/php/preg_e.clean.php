<?php
echo preg_replace('/\s+/', ' ', $_POST['body']);
