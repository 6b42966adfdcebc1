{#- Counts are whole numbers: a count column of a mart is BIGINT. A count printed with a
    fraction (an OCR slip, a typo) is not a count: its mart cell is NULL and the figure stays,
    as printed, in `statistics`. Amounts (万元) and rates stay DOUBLE. -#}
{% macro whole_count(column) -%}
    case when {{ column }} = trunc({{ column }}) then cast({{ column }} as bigint) end
{%- endmacro %}

{#- `select * replace (...)`: every listed column of the relation as a whole count. -#}
{% macro select_with_counts(relation, columns) -%}
select
    * replace (
    {%- for column in columns %}
        {{ whole_count(column) }} as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
    ),
from {{ relation }}
{%- endmacro %}
