"""The developer portal: `make portal` writes a static site of every module into dist/portal/."""
