-- the family members the campaign's units declared, in force
select * from unit_family where campaign = $campaign
