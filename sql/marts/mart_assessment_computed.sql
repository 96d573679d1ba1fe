-- one row per assessed entity (乡镇 or 单位) per item of the 考核 rubric that applies to its
-- type, in print order: the points its data earns for a computed item, with the basis shown
-- beside them (完成率 93.5%); null points are 待评: a fact missing (no hardship list
-- delivered, no target), or an item the assessors enter (source = 'entered', no basis).
--   completion       proportional: points × completion, at most the points;
--                    steps: the points of the highest step reached, else 0
--   rate_above       points per percentage point of rate above `above`, at most the points
--   hardship_funded  the points when everyone on the hardship list (fully-funded categories)
--                    is covered through the funded channel; an empty list counts as funded
--   family_rate      the points when the staff's declared family members reach `threshold`
with facts as (
    select * from int_assessment_facts
),
items as (
    select * from stg_assessment_items
),
steps as (
    select * from stg_assessment_steps
),
applicable as (
    select facts.*, items.*
    from facts
    join items
        on (facts.entity_type = '乡镇' and items.applies_township)
        or (facts.entity_type = '单位' and items.applies_unit)
),
step_reached as (
    select
        applicable.entity,
        applicable.item_key,
        arg_max(steps.points, steps.at_least) as step_points
    from applicable
    join steps
        on steps.item_key = applicable.item_key
        and steps.at_least <= applicable.completion
    group by applicable.entity, applicable.item_key
),
scored as (
    select
        applicable.*,
        case source
            when 'completion' then
                case
                    when completion is null then null
                    when rule = 'steps' then coalesce(step_reached.step_points, 0)
                    else points * least(completion, 1)
                end
            when 'rate_above' then
                -- DuckDB's greatest() passes over nulls: a missing rate must stay null
                case
                    when rate is null then null
                    else least(points, greatest(0, (rate - above) * 100 * per_point))
                end
            when 'hardship_funded' then
                case
                    when hardship_people is null then null
                    when coalesce(hardship_funded, 0) >= hardship_people then points
                    else 0
                end
            when 'family_rate' then
                case when family_rate >= threshold then points else 0 end
        end as earned,
        case source
            when 'completion' then coalesce('完成率 ' || percent_text(completion), '无目标任务')
            when 'rate_above' then coalesce('参保率 ' || percent_text(rate), '无参保率')
            when 'hardship_funded' then
                case
                    when hardship_people is null then '未报送救助对象名单'
                    when hardship_people = 0 then '名单中无全额资助对象'
                    when coalesce(hardship_funded, 0) >= hardship_people
                        then '名单 ' || hardship_people || ' 人，全部资助到位'
                    else '名单 ' || hardship_people || ' 人，'
                        || (hardship_people - coalesce(hardship_funded, 0)) || ' 人未资助'
                end
            when 'family_rate' then coalesce('家属参保率 ' || percent_text(family_rate), '未申报家属')
        end as basis
    from applicable
    left join step_reached using (entity, item_key)
)
select
    entity,
    entity_type,
    cast(position as integer) as position,
    item_key,
    item_position,
    part,
    source,
    cast(round(cast(earned as decimal(18, 6)), 2) as double) as points,
    basis
from scored
order by position, item_position
