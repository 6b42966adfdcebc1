-- Grain: one row per report with article-20 figures (2019 on) or an old-template or prose
-- proactive-disclosure total. Rules: one column per art20 catalogue code (dots as underscores),
-- as printed; a signed change (+163, -32) keeps its sign; amounts are in the metric's unit (万元).
with

figures as (
    select * from {{ ref('stg_statistics__figures') }}
),

disclosure_figures as (
    select
        *,
    from figures
    where dimension = 'total'
        and (metric like 'art20.%' or metric = 'proactive.total')
),

final as (
    select
        report_id,
        any_value(report_year) as report_year,
        any_value(agency) as agency,
        any_value(template) as template,
        max(value) filter (where metric = 'art20.rules.issued') as art20_rules_issued,
        max(value) filter (where metric = 'art20.rules.repealed') as art20_rules_repealed,
        max(value) filter (where metric = 'art20.rules.in_force') as art20_rules_in_force,
        max(value) filter (where metric = 'art20.rules.published') as art20_rules_published,
        max(value) filter (where metric = 'art20.rules.total_published')
            as art20_rules_total_published,
        max(value) filter (where metric = 'art20.normative_docs.issued')
            as art20_normative_docs_issued,
        max(value) filter (where metric = 'art20.normative_docs.repealed')
            as art20_normative_docs_repealed,
        max(value) filter (where metric = 'art20.normative_docs.in_force')
            as art20_normative_docs_in_force,
        max(value) filter (where metric = 'art20.normative_docs.published')
            as art20_normative_docs_published,
        max(value) filter (where metric = 'art20.normative_docs.total_published')
            as art20_normative_docs_total_published,
        max(value) filter (where metric = 'art20.licensing.prior_items')
            as art20_licensing_prior_items,
        max(value) filter (where metric = 'art20.licensing.change') as art20_licensing_change,
        max(value) filter (where metric = 'art20.licensing.decisions') as art20_licensing_decisions,
        max(value) filter (where metric = 'art20.other_services.prior_items')
            as art20_other_services_prior_items,
        max(value) filter (where metric = 'art20.other_services.change')
            as art20_other_services_change,
        max(value) filter (where metric = 'art20.other_services.decisions')
            as art20_other_services_decisions,
        max(value) filter (where metric = 'art20.penalty.prior_items') as art20_penalty_prior_items,
        max(value) filter (where metric = 'art20.penalty.change') as art20_penalty_change,
        max(value) filter (where metric = 'art20.penalty.decisions') as art20_penalty_decisions,
        max(value) filter (where metric = 'art20.coercion.prior_items')
            as art20_coercion_prior_items,
        max(value) filter (where metric = 'art20.coercion.change') as art20_coercion_change,
        max(value) filter (where metric = 'art20.coercion.decisions') as art20_coercion_decisions,
        max(value) filter (where metric = 'art20.fees.prior_items') as art20_fees_prior_items,
        max(value) filter (where metric = 'art20.fees.change') as art20_fees_change,
        max(value) filter (where metric = 'art20.fees.amount') as art20_fees_amount,
        max(value) filter (where metric = 'art20.procurement.projects')
            as art20_procurement_projects,
        max(value) filter (where metric = 'art20.procurement.amount') as art20_procurement_amount,
        max(value) filter (where metric = 'proactive.total') as proactive_total,
        count(*) filter (where qualifier = 'approx') as approximate_figures,
    from disclosure_figures
    group by report_id
)

{{ select_with_counts('final', [
    'art20_rules_issued',
    'art20_rules_repealed',
    'art20_rules_in_force',
    'art20_rules_published',
    'art20_rules_total_published',
    'art20_normative_docs_issued',
    'art20_normative_docs_repealed',
    'art20_normative_docs_in_force',
    'art20_normative_docs_published',
    'art20_normative_docs_total_published',
    'art20_licensing_prior_items',
    'art20_licensing_change',
    'art20_licensing_decisions',
    'art20_other_services_prior_items',
    'art20_other_services_change',
    'art20_other_services_decisions',
    'art20_penalty_prior_items',
    'art20_penalty_change',
    'art20_penalty_decisions',
    'art20_coercion_prior_items',
    'art20_coercion_change',
    'art20_coercion_decisions',
    'art20_fees_prior_items',
    'art20_fees_change',
    'art20_procurement_projects',
    'proactive_total',
]) }}
