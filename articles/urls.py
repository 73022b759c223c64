from django.urls import path

from articles import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path("articles/<slug:slug>/page/<int:number>/", views.article_detail, name="article-page"),
]
