{#- Generic test: no two rows share the values of `columns` (the model's grain). NULLs compare
    equal here, as in a GROUP BY. -#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(", ") }},
    count(*) as rows_sharing_the_key,
from {{ model }}
group by {{ columns | join(", ") }}
having count(*) > 1
{% endtest %}
