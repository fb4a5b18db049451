"""Every SQL statement about jobs and items: the jobs table (``jobs``), the items table
(``items``), what either table's task rows share (``task_rows``), the fan-out's hot-path
statements run straight on the driver (``hot_path``) and the listings (``reads``)."""
