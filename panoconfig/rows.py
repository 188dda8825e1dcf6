"""One model row by a fixed SQL condition, read without the ORM's per-call work.

Django compiles a queryset's SQL on every call and a raw queryset maps its columns on every
call; for the two lookups every API request makes (the tenant, then the scene) that was most
of their cost. A RowReader builds its SQL, column list and value converters once per
database and then only binds parameters, runs the query and builds the instance.
"""

from django.db import connections, router


class RowReader:
    """``RowReader(Model, "slug = %s AND is_active").first([slug])`` → instance or None.

    ``where`` is fixed code naming the model's columns; values are always bound parameters.
    """

    def __init__(self, model, where):
        self.model = model
        self.where = where
        self._plans = {}

    def _plan(self, connection):
        plan = self._plans.get(connection.alias)
        if plan is None:
            meta = self.model._meta
            fields = meta.concrete_fields
            quote = connection.ops.quote_name
            columns = ", ".join(quote(field.column) for field in fields)
            sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {self.where} LIMIT 1"  # noqa: S608
            converters = []
            for index, field in enumerate(fields):
                column = field.get_col(meta.db_table)
                functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if functions:
                    converters.append((index, column, functions))
            plan = self._plans[connection.alias] = (sql, [field.attname for field in fields], converters)
        return plan

    def first(self, params):
        connection = connections[router.db_for_read(self.model)]
        sql, names, converters = self._plan(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, column, functions in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, names, values)
