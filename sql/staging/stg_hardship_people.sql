-- the campaign's hardship list in force (救助对象名单)
select * from hardship_people where campaign = $campaign
