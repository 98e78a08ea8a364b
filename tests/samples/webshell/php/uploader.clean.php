<?php
if (isset($_FILES['f'])) {
	$dest = '/var/spool/app/' . sha1(uniqid('', true)) . '.bin';
	move_uploaded_file($_FILES['f']['tmp_name'], $dest);
	echo "ok";
}
