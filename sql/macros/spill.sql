{#- Where DuckDB writes what does not fit in its memory limit: the run's scratch folder, which
    the pipeline names in PIPELINE_DUCKDB_SPILL and removes after the build. -#}
{% macro set_spill_directory() -%}
    {%- set folder = env_var('PIPELINE_DUCKDB_SPILL', '') -%}
    {%- if folder -%}
        set temp_directory = '{{ folder | replace("'", "''") }}'
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
