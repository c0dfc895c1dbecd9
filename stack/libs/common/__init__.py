"""Code every Pantstack service needs: database engine and migrations, request limits, serving."""
