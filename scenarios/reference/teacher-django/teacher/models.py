from django.db import models


class Teacher(models.Model):
    """One row of the teacher table, the table the Swift app uses (created by teacher.store, not migrations)."""

    name = models.TextField()
    subject = models.TextField()
    email = models.TextField()
    years = models.IntegerField(default=0)

    class Meta:
        db_table = "teacher"
        managed = False

    def as_dict(self):
        return {"email": self.email, "id": self.id, "name": self.name, "subject": self.subject, "years": self.years}
