-- rows of the lists in force that were set aside, with their reasons
select * from list_rejects where campaign = $campaign
