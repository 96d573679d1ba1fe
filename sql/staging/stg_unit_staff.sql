-- the campaign's unit staff rosters in force (flows/lists.py keeps only those)
select * from unit_staff where campaign = $campaign
